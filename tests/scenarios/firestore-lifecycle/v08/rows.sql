INSERT INTO users (id, display_name, email) VALUES ('u-v08', 'User v08', 'v08@example.com');
INSERT INTO restaurants (id, name, cuisine, city, price_level) VALUES ('r-v08', 'Place v08', 'french', 'Paris', '03');
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v08', 'r-v08', 'u-v08', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v08', 'u-v08', now());
INSERT INTO promotions (id, title) VALUES ('p-v08', 'Promo v08');
