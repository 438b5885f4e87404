"""Docker Swarm as a deploy target: the same spec, as Swarm services on a cluster reached through a manager.

``desired`` maps the single-engine desired state (hashes, labels, health, security) onto Swarm service specs;
``update`` derives UpdateConfig/RollbackConfig from the strategy; ``placement`` evaluates constraints against the
observed nodes (eligibility, the start-first + host-port deadlock); ``proxy`` is the HAProxy entry point whose
backends follow each service's tasks through the overlay's DNS. All pure: no Docker here.
"""
