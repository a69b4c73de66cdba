INSERT INTO authors (name, email, bio) VALUES
  ('Ada Lovelace', 'ada@example.com', repeat('Poetical science. ', 100)),
  ('Zoë Ångström', 'zoe@example.org', NULL),
  ('山田 太郎', 'taro@example.jp', 'ブログを書いています 📝');
INSERT INTO posts (title, status, author_id, word_count) VALUES
  ('Hello, world', 'published', 1, '0042'),
  ('Draft with "quotes" and \backslashes\', 'draft', 2, NULL),
  ('Old news', 'archived', NULL, '1200'),
  ('日本語の記事', 'published', 3, '7');
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 1, 'news'), (2, 1, 'howto'), (1, 3, NULL);
INSERT INTO newsletters (subject, sent_at) VALUES ('Issue #1', '2024-01-01T09:00:00Z'), ('Unsent ✉️', NULL);
