-- A second account with Ada's email: the unique index, built after the main block, fails.
INSERT INTO accounts (id, email, name) VALUES (1000, 'ada@example.com', 'Ada again');
