-- The complaints read model lives beside Temporal's own databases, in its own database and role.
CREATE ROLE complaints LOGIN PASSWORD 'complaints';
CREATE DATABASE complaints OWNER complaints;
