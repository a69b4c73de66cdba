INSERT INTO accounts (email, name) VALUES ('v12-john@example.com', 'John Backus');
INSERT INTO projects (account_id, title, slug) VALUES (16, 'FORTRAN', 'fortran');
INSERT INTO work_items (project_id, title) VALUES (12, 'DO loops');
INSERT INTO audit.events (kind, detail) SELECT 'v12', jsonb_build_object('n', g) FROM generate_series(1, 100) g;
INSERT INTO legacy_imports (source) VALUES ('f77');
