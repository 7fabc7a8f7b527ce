"""Cluster pilots (产业集群试点): the lead unit, its alliance (产业联合体) and member enterprises,
and the lead limits."""
