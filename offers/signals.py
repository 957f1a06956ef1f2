"""What happened to an offer that the audit trail does not record, for whoever listens (the
API's webhooks): the candidate opened their link for the first time; a letter is ready."""

from __future__ import annotations

from django.dispatch import Signal

offer_viewed = Signal()  # sender=Offer, offer=
letter_ready = Signal()  # sender=Letter, letter=, offer= (loaded)

# Asked before a candidate's acceptance is recorded (sender=Offer, offer=, signature_id=): a
# receiver answers a sentence for the candidate to refuse it, or None. Signing answers it: while
# letters are signed, the only way to accept is to sign (`signature_id` names the signature).
acceptance_check = Signal()

# Asked when a letter is rendered (sender=Offer, offer=): a receiver answers how the letter will
# be signed electronically, {"company_signer": the name of who signs for the company, or ""},
# or None. Signing answers it; no answer: a letter signed by hand, with blanks for the date.
letter_signing = Signal()

# Asked before a candidate link is made (sender=Offer, offer=): a receiver answers a sentence
# saying why the link cannot be sent yet, or None. Signing answers it (countersigned first).
link_check = Signal()

# Sent while one offer's personal data is erased, in its transaction (sender=Offer, offer=,
# placeholder=): a receiver removes what it holds of the candidate and answers the names of the
# files to delete once the erasure commits (a list, maybe empty).
personal_data_erase = Signal()

# Asked for one person's data export (sender=Offer, offer_ids=): a receiver answers a list of
# (name in the archive, bytes) for what it holds of them.
personal_data_export = Signal()
