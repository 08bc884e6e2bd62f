"""Conversations on every channel (SMS, WhatsApp, …), with no channel in them: who writes (contacts), what they
write (inbound), what the line sends (outbound) and the automatic texts (texts). Channel details live in the
adapters of tipline.channels, asked by the channel's name."""
