INSERT INTO users (id, display_name, email, city) VALUES
  ('u-ada', 'Ada', 'ada@example.com', 'London'),
  ('u-zoe', 'Zoë Ångström', 'zoe@example.org', NULL),
  ('xYz09AbCdEfGhIjKlMnO', '東京の食通 🍣', 'tokyo@example.jp', '東京');
INSERT INTO restaurants (id, name, cuisine, price_level) VALUES
  ('r-luigi', 'Luigi''s', 'italian', '02'),
  ('r-chez', 'Chez «Noël»', 'french', NULL),
  ('r-sushi', 'すし匠', 'japanese', '4'),
  ('r-diner', 'Route 66 Diner', 'diner', '1');
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating, body) VALUES
  ('rv-1', 'r-luigi', 'u-ada', 5, repeat('Buonissimo! ', 200)),
  ('rv-2', 'r-sushi', 'xYz09AbCdEfGhIjKlMnO', 4, NULL),
  ('rv-3', 'r-diner', 'u-zoe', 2, 'Tabs	and
newlines');
INSERT INTO checkins (id, user_id, at) SELECT 'c-' || g, CASE WHEN g % 2 = 0 THEN 'u-ada' ELSE 'u-zoe' END,
  timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(1, 5000) g;
INSERT INTO promotions (id, title) VALUES ('p-1', 'Two for one'), ('p-2', '🎉 Opening week');
