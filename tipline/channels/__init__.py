"""Delivery channels other than the web: SMS gateways."""
