DROP INDEX brands_created;
DROP INDEX institutions_status_applied;
DROP INDEX institutions_applied;
