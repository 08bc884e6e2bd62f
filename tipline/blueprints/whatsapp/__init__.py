"""The WhatsApp webhook (Twilio's WhatsApp API): the shared channel webhook mounted for the "whatsapp" adapter."""

from tipline.blueprints.channel_webhook import blueprint

bp = blueprint("whatsapp", __name__)
