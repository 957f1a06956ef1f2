"""What happened to an offer that the audit trail does not record, for whoever listens (the
API's webhooks): the candidate opened their link for the first time; a letter is ready."""

from __future__ import annotations

from django.dispatch import Signal

offer_viewed = Signal()  # sender=Offer, offer=
letter_ready = Signal()  # sender=Letter, letter=, offer= (loaded)
