-- Sitrep schema v5 (PostgreSQL): sign-in limits and API tokens.

-- Failed sign-ins, counted per account and address and per address within a sliding window
-- (see server/src/http/sign_in.rs), shared by every instance. `at` is unix milliseconds; rows
-- older than the window are deleted as new failures arrive.
CREATE TABLE sign_in_failures (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The email as typed, normalised (unknown accounts count too).
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_account_address ON sign_in_failures (account, address, at);
CREATE INDEX sign_in_failures_address ON sign_in_failures (address, at);
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);

-- API tokens for integrations: only the SHA-256 of the secret is kept. Revoking deletes the row.
CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
