"""After-the-fact detectors (事后稽核): set-based SQL over one slice of persons.

Each function takes a BatchContext and returns Hits; `rule(...)` declares it with its code.
A person rule's queries are limited to the slice's persons (`context.persons_sql`: a range
of ids, or in an incremental run the listed ids), a ledger-wide rule's are not (RK-08 takes
the listed ids in an incremental run); when the run is limited to a province, findings are
limited to that province (`%(province)s IS NULL OR province_id = …`). Live contribution
records are those that are not reversals and not reversed.

Reading every record is the cost to avoid. Most rules judge few records and find them by
probing an index: the months past a person's limits, the bases outside a province-month's
band, the back-payments. A probe is a LATERAL subquery ending in OFFSET 0: without it the
planner may flatten the subquery into a join that reads the whole slice. RK-02, RK-11 and
RK-19 read more, and as little as their rule allows.
"""

from risk.detectors import benefits, contributions, ledger, persons, transfers  # noqa: F401
