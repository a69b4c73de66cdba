INSERT INTO users (id, display_name, email) VALUES ('u-v09', 'User v09', 'v09@example.com');
INSERT INTO restaurants (id, name, cuisine, city, price_level) VALUES ('r-v09', 'Place v09', 'french', 'Paris', 3);
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v09', 'r-v09', 'u-v09', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v09', 'u-v09', now());
INSERT INTO promotions (id, title) VALUES ('p-v09', 'Promo v09');
