"""The use cases, one package per context (docs/architecture.md). A context imports only the contexts
below it, as the import-linter contract "Service contexts in order" says (pyproject.toml):

    customer | analytics | webhooks     messages, tracking, self-service; KPIs; webhook deliveries
    slots | returns | driver            checkout promises; failures and returns; the driver's side
    operations | dispatch               the live day and re-planning; routes assigned, locked, dispatched
    planning                            planning jobs and plan versions
    orders                              orders and their import
    fleet | accounts                    depots, vehicles, drivers, pickup points; organizations, users, keys
    kernel                              platform, access, events and bus, named jobs, idempotency

Contexts react to each other's events (the bus) rather than calling upwards."""
