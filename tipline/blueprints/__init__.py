"""Blueprints: one package per audience (public, sms, officer, transparency, admin)."""
