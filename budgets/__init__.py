"""The token budget after hire: the company's LLM gateway gives the employee access, caps it at
the promised dollars a day, and reports what is spent (issue 35).

    gateways.py   one interface (`Gateway`) and its adapters: the MLflow AI Gateway first;
                  `configured()` the one the settings name
    management/commands/token_budget.py   the operator's command (status)

The app drives a gateway; it never becomes one and never holds a model provider's key.
"""
