"""SMS: Twilio-compatible gateways first."""

from tipline.channels.sms.twilio import TwilioGateway

__all__ = ["TwilioGateway"]
