-- Placeholder on branch s7-oidc only: version 0023 is reserved for another branch; drop this file when merging it.
SELECT 1;
