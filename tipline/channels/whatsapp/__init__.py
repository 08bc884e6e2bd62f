"""WhatsApp: through Twilio's WhatsApp API first."""

from tipline.channels.whatsapp.twilio import TwilioWhatsApp

__all__ = ["TwilioWhatsApp"]
