INSERT INTO writers (name, email, handle) VALUES ('Radia', 'radia@example.com', 'radia');
INSERT INTO posts (headline, author_id) VALUES ('Owned posts', 15);
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 18, 'howto');
INSERT INTO newsletters (subject) VALUES ('Issue #12');
