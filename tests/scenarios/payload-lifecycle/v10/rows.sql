INSERT INTO writers (name, email, handle) VALUES ('Edsger', 'edsger@example.com', 'ewd');
INSERT INTO posts (headline, author_id, editor_id) VALUES (repeat('é', 120), 13, 1), ('Unedited', 13, NULL);
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 14, 'opinion');
INSERT INTO newsletters (subject) VALUES ('Issue #10');
