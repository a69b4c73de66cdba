INSERT INTO users (id, display_name, email) VALUES ('u-v12', 'User v12', 'v12@example.com');
INSERT INTO restaurants (id, name, cuisine, city, price_level) VALUES ('r-v12', 'Place v12', 'french', 'Paris', NULL);
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v12', 'r-v12', 'u-v12', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v12', 'u-v12', now());
INSERT INTO promotions (id, title) VALUES ('p-v12', 'Promo v12');
