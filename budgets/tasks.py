from __future__ import annotations

from celery import shared_task


@shared_task(name="budgets.tasks.provision_due", acks_late=True)
def provision_due_task() -> int:
    """Provision the budgets whose start date has come (and retry those that failed); revoke
    those whose employee's last day has passed or whose personal data was erased."""
    from budgets.services import budgets_provision_due, budgets_revoke_ended, budgets_revoke_erased

    return budgets_provision_due() + budgets_revoke_ended() + budgets_revoke_erased()


@shared_task(name="budgets.tasks.sync_spend", acks_late=True)
def sync_spend_task() -> int:
    import logging

    from budgets.gateways import GatewayError
    from budgets.services import budget_sync

    try:
        return budget_sync()
    except GatewayError as error:  # the next run reads both days again: nothing is lost
        logging.getLogger(__name__).warning("Token budget spend not read: %s", error)
        return 0
