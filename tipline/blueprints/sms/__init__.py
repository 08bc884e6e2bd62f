"""The SMS webhook (Twilio-compatible): the shared channel webhook mounted for the "sms" adapter."""

from tipline.blueprints.channel_webhook import blueprint

bp = blueprint("sms", __name__)
