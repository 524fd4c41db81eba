-- The uploaded profile picture: the name of its object under avatars/<user id>/ (random, so no
-- other user's picture can be guessed from one's own). NULL: none.
ALTER TABLE users ADD COLUMN avatar_key text CHECK (avatar_key ~ '^[a-z0-9]{24}\.png$');
