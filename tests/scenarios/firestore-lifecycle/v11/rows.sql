INSERT INTO users (id, display_name, email) VALUES ('u-v11', 'User v11', 'v11@example.com');
INSERT INTO restaurants (id, name, cuisine, city, price_level) VALUES ('r-v11', 'Place v11', 'french', 'Paris', NULL);
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v11', 'r-v11', 'u-v11', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v11', 'u-v11', now());
INSERT INTO promotions (id, title) VALUES ('p-v11', 'Promo v11');
