DROP TABLE body_signing_keys;
