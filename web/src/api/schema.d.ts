/**
 * Generated from the server's OpenAPI document by scripts/generate-api-types.ts: do not edit.
 * `npm run generate:api` rewrites it; a test fails while it is stale.
 */

export interface paths {
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The API reference, as a page
         * @description **Who:** No key needed.
         */
        get: operations["docs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health: database round trip, providers, workers, queue depth
         * @description **Who:** No key needed.
         */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness: the process answers
         * @description **Who:** No key needed.
         */
        get: operations["live"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness: 503 while the database is unreachable, the schema is not migrated, or the process is draining
         * @description **Who:** No key needed.
         */
        get: operations["ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics of this process (admin key)
         * @description Counters and histograms count what this process did (sum them across processes); gauges read from the database are deployment-wide (take their max). See the README for scraping several processes.
         *
         *     **Who:** The admin key.
         */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This API as OpenAPI 3.1 (generated from the server’s own schemas)
         * @description **Who:** No key needed.
         */
        get: operations["openapi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Follow every event the caller may see (Server-Sent Events)
         * @description All events of the caller’s jobs (the admin: of every job, and the quota and provider events), filtered by type and pipeline, as they are committed. `id:` is the global event id; with `Last-Event-ID` the stream first replays what followed it. New event types (notifications) appear here without any change.
         *
         *     **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        get: operations["followEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List jobs, newest first
         * @description **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        get: operations["listJobs"];
        put?: never;
        /**
         * Submit a job
         * @description Validates the input against the pipeline, reserves its estimated cost on the budgets, and queues it: the answer comes at once (202) and the pipeline runs in the background. With an `Idempotency-Key`, sending the same pipeline, tenant and input again returns the original job (200, `Idempotent-Replayed: true`); the same key with a different input is a 409.
         *
         *     **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        post: operations["submitJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One job: steps, progress, attempts, waits, and its error with recommendations
         * @description **Who:** The admin key, a tenant key (its own jobs), or a job token of this job.
         */
        get: operations["getJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a job
         * @description A queued or waiting job is cancelled at once; a running one stops at its worker, which rolls back the current step and runs the undo hooks.
         *
         *     **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        post: operations["cancelJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Follow a job’s events (Server-Sent Events)
         * @description Replays the job’s events after `Last-Event-ID` (or `?after=`), then streams new ones as they are committed — by any worker of the deployment — and ends after the terminal event (job:succeeded, job:failed, job:cancelled). `id:` is the event’s position in the job’s timeline (1, 2, 3…), so a reconnect loses and repeats nothing.
         *
         *     **Who:** The admin key, a tenant key (its own jobs), or a job token of this job.
         */
        get: operations["followJobEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry a failed or cancelled job from its failed step
         * @description Steps that succeeded are not run (nor paid) again. Unless `force` (admin only), the budgets must cover the remaining steps: a refusal carries X-Token-Balance, X-Token-Required, X-Token-Deficit and, when a reset or refill will make it fit, Retry-After.
         *
         *     **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        post: operations["retryJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/spend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What a job’s provider calls cost: tokens, USD and requests per meter
         * @description **Who:** The admin key, a tenant key (its own jobs), or a job token of this job.
         */
        get: operations["getJobSpend"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A short-lived read-only token for one job and its events
         * @description For browsers: the token reads this job and follows its event stream (`?access_token=`), nothing else, and expires on its own.
         *
         *     **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        post: operations["createJobToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/counts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * How many jobs are in each state
         * @description With the filters of GET /v1/jobs; a tenant key counts its own jobs.
         *
         *     **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        get: operations["countJobs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/estimate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Estimate a job before submitting it
         * @description Per meter: the estimate, the balance of the account that binds, what would remain after, when it resets, and whether a submission now would be refused and why. Nothing is reserved.
         *
         *     **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        post: operations["estimateJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * API keys (never the keys themselves)
         * @description **Who:** The admin key.
         */
        get: operations["listKeys"];
        put?: never;
        /**
         * Create a tenant key; the key is in this answer and nowhere else
         * @description **Who:** The admin key.
         */
        post: operations["createKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke a tenant key (at once on every API process of a PostgreSQL deployment)
         * @description **Who:** The admin key.
         */
        delete: operations["revokeKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/admin/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replace the admin key; the new one is in this answer and nowhere else
         * @description **Who:** The admin key.
         */
        post: operations["rotateAdminKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/maintenance/cleanup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Remove old history: finished jobs’ events and steps, expired idempotency keys, old journal rows
         * @description What `holdfast cleanup` does, for a server that holds the embedded database. Account totals and daily usage are kept exact; failed and cancelled jobs keep their steps, so a retry still resumes from its checkpoints.
         *
         *     **Who:** The admin key.
         */
        post: operations["cleanup"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/pipelines": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Pipelines: names, input JSON Schemas, whether they have an estimate
         * @description **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        get: operations["listPipelines"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/quotas": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every budget account: used, held, limit, remaining, percent, reset time, warning
         * @description A tenant key sees its own tenant’s accounts; the admin sees all, or one tenant’s with `?tenant=`.
         *
         *     **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        get: operations["listQuotas"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/quotas/credit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add to an account’s current period, or tokens to a bucket (admin)
         * @description **Who:** The admin key.
         */
        post: operations["creditQuota"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/quotas/limit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Override an account’s limit (admin)
         * @description Configuration no longer changes an account whose limit was set by hand.
         *
         *     **Who:** The admin key.
         */
        post: operations["setQuotaLimit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/quotas/reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a day or month over (admin)
         * @description Refused if an account was already reset this period, unless `force`; `dryRun` only says what would change.
         *
         *     **Who:** The admin key.
         */
        post: operations["resetQuotas"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Who the dashboard is signed in as (signedIn false when it is not)
         * @description **Who:** No key needed.
         */
        get: operations["getSession"];
        put?: never;
        /**
         * Sign in to the dashboard with a key: opens a cookie session
         * @description Takes the admin key or a tenant key and sets an httpOnly, SameSite=Strict session cookie (12 h by default) that stands for that key: revoking the key ends the session. The answer’s `csrfToken` must accompany every state-changing request made with the cookie.
         *
         *     **Who:** No key needed.
         */
        post: operations["signIn"];
        /**
         * Sign out: ends the cookie session
         * @description Made with the session cookie, this needs its `X-CSRF-Token` like any change.
         *
         *     **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        delete: operations["signOut"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/session/link": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in with a one-time link’s token
         * @description The token after `#` in the link `holdfast start` prints. It works once, within 15 minutes: a second use is refused with SIGN_IN_LINK_INVALID.
         *
         *     **Who:** No key needed.
         */
        post: operations["redeemSignInLink"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tenants that have keys
         * @description **Who:** The admin key.
         */
        get: operations["listTenants"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Usage per day × provider × tenant: calls, tokens, USD, with totals
         * @description **Who:** The admin key or a tenant key (a tenant key sees only its tenant).
         */
        get: operations["getUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ws": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live events over a WebSocket: subscribe to jobs or to filters
         * @description **Who:** The admin key, a tenant key (its own jobs), or a job token of this job.
         *
         *     **WebSocket protocol** (JSON text messages). Send `{"type":"subscribe","id":"a","jobId":"…","after":0}` to follow one job (replayed after `after`, then live, then `{"type":"end"}`), or `{"type":"subscribe","id":"b","types":["job:*"],"pipeline":"…"}` for everything you may see; `{"type":"unsubscribe","id":"a"}`; `{"type":"ping"}`. The server sends `{"type":"subscribed","id"}`, `{"type":"event","subscription","event"}`, `{"type":"error","id"?,"error"}` and `{"type":"closing"}` before it shuts down.
         */
        get: operations["websocket"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Account: {
            /** @description Refill buckets: tokens in the bucket */
            balance?: number;
            limit: number;
            meter: string;
            percent: number;
            period: string;
            remaining: number;
            /** @description Held by running jobs and calls */
            reserved: number;
            resetAt: string | null;
            /** @description 'global' or 'tenant:<id>' */
            scope: string;
            used: number;
            /** @description At or past the first warning threshold (80 % by default) */
            warning: boolean;
        };
        ApiKey: {
            createdAt: string;
            id: string;
            /** @description Updated at most once a minute */
            lastUsedAt: string | null;
            name: string | null;
            revokedAt: string | null;
            /** @enum {string} */
            role: "admin" | "tenant";
            tenant: string | null;
        };
        Error: {
            error: {
                /** @description Stable error code, e.g. QUOTA_EXCEEDED */
                code: string;
                /** @description The facts: balances, fields, limits… */
                details: {
                    [key: string]: unknown;
                };
                /** @description One line, in the caller's language (Accept-Language) */
                message: string;
                /** @description What to do next, in the caller’s language */
                recommendations: string[];
                retryable: boolean;
            };
        };
        Job: {
            attempt: number;
            cancelRequested: boolean;
            createdAt: string;
            currentStep: string | null;
            deadlineAt: string | null;
            /** @description The error that ended the job, with its recommendations */
            error: components["schemas"]["JobError"] | null;
            estimate: {
                [key: string]: number;
            } | null;
            finishedAt: string | null;
            id: string;
            idempotencyKey: string | null;
            input: unknown;
            maxAttempts: number;
            output: unknown;
            pipeline: string;
            /** @description "step 2 of 3" when the pipeline declares its steps */
            plan: {
                completed: number;
                percent: number;
                steps: string[];
            } | null;
            progress: {
                done: number;
                message?: string;
                percent?: number;
                step: string;
                total?: number;
                unit?: string;
            } | null;
            runAt: string;
            startedAt: string | null;
            /** @enum {string} */
            state: "queued" | "running" | "waiting" | "succeeded" | "failed" | "cancelled";
            /** @description On GET /v1/jobs/{id}; absent from lists */
            steps?: {
                attempt: number;
                compensated: boolean;
                error: components["schemas"]["JobError"] | null;
                finishedAt: string | null;
                name: string;
                output: unknown;
                progress: {
                    done: number;
                    message?: string;
                    percent?: number;
                    step: string;
                    total?: number;
                    unit?: string;
                } | null;
                /** @description How many times the step was started in all */
                runs: number;
                startedAt: string;
                /** @enum {string} */
                state: "running" | "succeeded" | "failed";
            }[];
            tenant: string | null;
            updatedAt: string;
            waitReason: string | null;
        };
        JobCounts: {
            counts: {
                cancelled: number;
                failed: number;
                queued: number;
                running: number;
                succeeded: number;
                waiting: number;
            };
            total: number;
        };
        JobError: {
            code: string;
            details: {
                [key: string]: unknown;
            };
            message: string;
            name: string;
            recommendations: string[];
            retryable: boolean;
            retryAfterMs?: number;
        };
        JobSpend: {
            /** @description Provider calls that reserved budget */
            calls: number;
            /** @description Per meter, what the job’s calls were charged: tokens, `usd` (when the model has a price), `requests` */
            charged: {
                [key: string]: number;
            };
            /** @description Per meter, held right now by calls in flight */
            held: {
                [key: string]: number;
            };
        };
        Session: {
            /** @description Send as `X-CSRF-Token` on every state-changing request made with the session cookie */
            csrfToken: string | null;
            expiresAt: string | null;
            /** @description Who the dashboard acts as */
            role: ("admin" | "tenant") | null;
            signedIn: boolean;
            tenant: string | null;
            /** @description A cookie session, a key sent by the caller, or a server without authentication */
            via: ("session" | "key" | "no-auth") | null;
        };
    };
    responses: {
        /** @description Invalid request: the fields at fault are named in `details.issues` (nothing was stored) */
        E400: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No credential, or a wrong, revoked or expired one */
        E401: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The credential is valid but may not do this */
        E403: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No such job, pipeline or route — or one that belongs to another tenant */
        E404: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The resource is not in a state that allows this */
        E409: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is larger than the server accepts */
        E413: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is not JSON */
        E415: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description A budget refusal: X-Token-Balance, X-Token-Required, X-Token-Deficit and, when waiting helps, Retry-After */
        E429: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The database is unreachable, the schema is not migrated, or the process is shutting down (Retry-After) */
        E503: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    docs: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTML */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
        };
    };
    health: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report (status ok or degraded) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        database: {
                            description: string;
                            error: string | null;
                            /** @enum {string} */
                            kind: "pglite" | "postgres";
                            roundTripMs: number | null;
                            schema: {
                                current: string | null;
                                expected: string;
                            } | null;
                            /** @enum {string} */
                            status: "up" | "down";
                        };
                        draining: boolean;
                        providers: {
                            /** @enum {string} */
                            breaker: "closed" | "open" | "half-open";
                            cache: {
                                hitRate: number;
                                hits: number;
                                misses: number;
                                size: number;
                            } | null;
                            inFlight: number;
                            kind: string;
                            latency: {
                                /** @description Recent calls measured (at most 200) */
                                calls: number;
                                errorRate: number | null;
                                lastCallAt: string | null;
                                p50Ms: number | null;
                                p95Ms: number | null;
                            };
                            name: string;
                        }[];
                        queue: {
                            /** @description Queued or waiting, due now, not claimed yet */
                            due: number;
                            /** @description Waiting for a later time (a retry, a budget refill) */
                            scheduled: number;
                        } | null;
                        /**
                         * @description down: the database is unreachable; degraded: a breaker is open or the process is draining
                         * @enum {string}
                         */
                        status: "ok" | "degraded" | "down";
                        /** @description Live event streams open on this process */
                        streams: number;
                        uptimeSeconds: number;
                        version: string;
                        workers: {
                            active: number;
                            concurrency: number;
                            draining: boolean;
                            running: boolean;
                        };
                    };
                };
            };
            /** @description The same report, status down: the database is unreachable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        database: {
                            description: string;
                            error: string | null;
                            /** @enum {string} */
                            kind: "pglite" | "postgres";
                            roundTripMs: number | null;
                            schema: {
                                current: string | null;
                                expected: string;
                            } | null;
                            /** @enum {string} */
                            status: "up" | "down";
                        };
                        draining: boolean;
                        providers: {
                            /** @enum {string} */
                            breaker: "closed" | "open" | "half-open";
                            cache: {
                                hitRate: number;
                                hits: number;
                                misses: number;
                                size: number;
                            } | null;
                            inFlight: number;
                            kind: string;
                            latency: {
                                /** @description Recent calls measured (at most 200) */
                                calls: number;
                                errorRate: number | null;
                                lastCallAt: string | null;
                                p50Ms: number | null;
                                p95Ms: number | null;
                            };
                            name: string;
                        }[];
                        queue: {
                            /** @description Queued or waiting, due now, not claimed yet */
                            due: number;
                            /** @description Waiting for a later time (a retry, a budget refill) */
                            scheduled: number;
                        } | null;
                        /**
                         * @description down: the database is unreachable; degraded: a breaker is open or the process is draining
                         * @enum {string}
                         */
                        status: "ok" | "degraded" | "down";
                        /** @description Live event streams open on this process */
                        streams: number;
                        uptimeSeconds: number;
                        version: string;
                        workers: {
                            active: number;
                            concurrency: number;
                            draining: boolean;
                            running: boolean;
                        };
                    };
                };
            };
        };
    };
    live: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "ok";
                    };
                };
            };
        };
    };
    ready: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready to serve */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        database: {
                            roundTripMs: number;
                            schema: string | null;
                        };
                        /** @constant */
                        status: "ready";
                    };
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain; version=0.0.4": string;
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
    openapi: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    followEvents: {
        parameters: {
            query?: {
                access_token?: string;
                pipeline?: string;
                /** @description Admin only: one tenant’s events */
                tenant?: string;
                /** @description Event types or prefixes: 'job:failed,step:*' */
                types?: string | string[];
            };
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
                /** @description Resume after this event (sent by EventSource on reconnect); wins over `?after=` */
                "Last-Event-ID"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream: `id:` (resume point), `event:` (the event type), `data:` (the event as JSON); a `: heartbeat` comment every 15 s; an `event: closing` frame when the server shuts down */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
    listJobs: {
        parameters: {
            query?: {
                /** @description `next` of the previous page */
                cursor?: string;
                /** @description At most this many jobs (1–200, default 50) */
                limit?: string;
                pipeline?: string;
                /** @description Only jobs created at or after this time */
                since?: string;
                /** @description One or more states, comma-separated or repeated */
                state?: string | string[];
                /** @description Admin only (a tenant key sees its own jobs) */
                tenant?: string;
            };
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of jobs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        jobs: components["schemas"]["Job"][];
                        /** @description Pass as `cursor` for the next page; null on the last */
                        next: string | null;
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
    submitJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
                /** @description Makes the submission safe to repeat (kept 7 days; scoped to pipeline and tenant) */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The pipeline's input, checked against its schema (GET /v1/pipelines) */
                    input: unknown;
                    pipeline: string;
                    /** @description Do not start before this time (ISO 8601, or ms since the epoch) */
                    runAt?: string | number;
                    /** @description Whose job it is (admin only: a tenant key always submits for its own tenant) */
                    tenant?: string;
                };
            };
        };
        responses: {
            /** @description The job this Idempotency-Key already created */
            200: {
                headers: {
                    /** @description `true` */
                    "Idempotent-Replayed"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        links: {
                            cancel: string;
                            events: string;
                            retry: string;
                            self: string;
                            token: string;
                        };
                        /** @enum {string} */
                        state: "queued" | "running" | "waiting" | "succeeded" | "failed" | "cancelled";
                    };
                };
            };
            /** @description Queued (or waiting for budget); follow it at `links.events` */
            202: {
                headers: {
                    /** @description The job’s URL */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        links: {
                            cancel: string;
                            events: string;
                            retry: string;
                            self: string;
                            token: string;
                        };
                        /** @enum {string} */
                        state: "queued" | "running" | "waiting" | "succeeded" | "failed" | "cancelled";
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            404: components["responses"]["E404"];
            409: components["responses"]["E409"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
            429: components["responses"]["E429"];
            503: components["responses"]["E503"];
        };
    };
    getJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path: {
                /** @description A full job id, or a unique prefix of one (with or without dashes) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            404: components["responses"]["E404"];
            503: components["responses"]["E503"];
        };
    };
    cancelJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path: {
                /** @description A full job id, or a unique prefix of one (with or without dashes) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description Cancelled, or being cancelled */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            404: components["responses"]["E404"];
            409: components["responses"]["E409"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
            503: components["responses"]["E503"];
        };
    };
    followJobEvents: {
        parameters: {
            query?: {
                /** @description A job token or key, for EventSource */
                access_token?: string;
                /** @description Resume after this seq (0: from the start) */
                after?: string;
            };
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
                /** @description Resume after this event (sent by EventSource on reconnect); wins over `?after=` */
                "Last-Event-ID"?: string;
            };
            path: {
                /** @description A full job id, or a unique prefix of one (with or without dashes) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream: `id:` (resume point), `event:` (the event type), `data:` (the event as JSON); a `: heartbeat` comment every 15 s; an `event: closing` frame when the server shuts down */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            404: components["responses"]["E404"];
            503: components["responses"]["E503"];
        };
    };
    retryJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path: {
                /** @description A full job id, or a unique prefix of one (with or without dashes) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @description Skip the budget pre-check (admin only) */
                    force?: boolean;
                };
            };
        };
        responses: {
            /** @description Queued again */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            404: components["responses"]["E404"];
            409: components["responses"]["E409"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
            429: components["responses"]["E429"];
            503: components["responses"]["E503"];
        };
    };
    getJobSpend: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path: {
                /** @description A full job id, or a unique prefix of one (with or without dashes) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job’s spend */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobSpend"];
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            404: components["responses"]["E404"];
            503: components["responses"]["E503"];
        };
    };
    createJobToken: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path: {
                /** @description A full job id, or a unique prefix of one (with or without dashes) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @description Lifetime (default 15 min) */
                    ttlSeconds?: number;
                };
            };
        };
        responses: {
            /** @description The token */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description The URL of the job’s event stream, token included */
                        events: string;
                        expiresAt: string;
                        jobId: string;
                        /** @description Send as `Authorization: Bearer …` or `?access_token=…` */
                        token: string;
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            404: components["responses"]["E404"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
            503: components["responses"]["E503"];
        };
    };
    countJobs: {
        parameters: {
            query?: {
                pipeline?: string;
                /** @description Only jobs created at or after this time */
                since?: string;
                /** @description Admin only (a tenant key counts its own jobs) */
                tenant?: string;
            };
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Jobs per state */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobCounts"];
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
    estimateJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    input: unknown;
                    pipeline: string;
                    tenant?: string;
                };
            };
        };
        responses: {
            /** @description The estimate against what is left */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        meters: {
                            balance: number | null;
                            /** @description The pipeline's cap for one job */
                            cap: number | null;
                            estimate: number;
                            limit: number | null;
                            meter: string;
                            period: string | null;
                            /** @description Why a submission now would be refused, if it would */
                            refusal: {
                                /** @enum {string} */
                                code: "JOB_TOO_EXPENSIVE" | "QUOTA_EXCEEDED" | "INSUFFICIENT_TOKENS";
                                message: string;
                            } | null;
                            remainingAfter: number | null;
                            resetAt: string | null;
                            safeToProceed: boolean;
                            /** @description The account that binds (the one with the least room) */
                            scope: string | null;
                        }[];
                        pipeline: string;
                        safeToProceed: boolean;
                        tenant: string | null;
                        warnings: string[];
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            404: components["responses"]["E404"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
            503: components["responses"]["E503"];
        };
    };
    listKeys: {
        parameters: {
            query?: {
                tenant?: string;
            };
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The keys */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        keys: components["schemas"]["ApiKey"][];
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
    createKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    tenant: string;
                };
            };
        };
        responses: {
            /** @description The new key: keep it, it is stored only as a hash */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        info: components["schemas"]["ApiKey"];
                        key: string;
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
            503: components["responses"]["E503"];
        };
    };
    revokeKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path: {
                keyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The key, revoked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            404: components["responses"]["E404"];
            409: components["responses"]["E409"];
            503: components["responses"]["E503"];
        };
    };
    rotateAdminKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The new admin key */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        key: string;
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
    cleanup: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    dryRun?: boolean;
                    /** @description How old: '30d', '12h'… */
                    olderThan: string;
                };
            };
        };
        responses: {
            /** @description What was (or would be) removed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        callReservations: number;
                        cutoff: string;
                        dryRun: boolean;
                        events: number;
                        idempotencyKeys: number;
                        jobs: number;
                        ledgerEntries: number;
                        steps: number;
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
            503: components["responses"]["E503"];
        };
    };
    listPipelines: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every configured pipeline */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        pipelines: {
                            attempts: number;
                            /** @description Hard cap per meter for one job */
                            budget: {
                                [key: string]: number;
                            } | null;
                            /** @enum {string} */
                            budgetMode: "fail" | "wait";
                            /** @description Submissions reserve an estimate on the budgets first */
                            hasEstimate: boolean;
                            /** @description JSON Schema (2020-12) of the input, from its validator; null when it cannot be described */
                            inputSchema: {
                                [key: string]: unknown;
                            } | null;
                            name: string;
                            steps: string[] | null;
                            timeoutMs: number | null;
                        }[];
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
    listQuotas: {
        parameters: {
            query?: {
                tenant?: string;
            };
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The accounts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        accounts: components["schemas"]["Account"][];
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
    creditQuota: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    amount: number;
                    meter: string;
                    /** @description Needed when the scope has several accounts of this meter */
                    period?: string;
                    scope: string;
                };
            };
        };
        responses: {
            /** @description The account after */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Account"];
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            404: components["responses"]["E404"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
            503: components["responses"]["E503"];
        };
    };
    setQuotaLimit: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    limit: number;
                    meter: string;
                    /** @description Needed when the scope has several accounts of this meter */
                    period?: string;
                    scope: string;
                };
            };
        };
        responses: {
            /** @description The account after */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Account"];
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            404: components["responses"]["E404"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
            503: components["responses"]["E503"];
        };
    };
    resetQuotas: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    dryRun?: boolean;
                    force?: boolean;
                    /** @enum {string} */
                    period: "day" | "month";
                    tenant?: string;
                };
            };
        };
        responses: {
            /** @description What was (or would be) reset */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        accounts: {
                            alreadyReset: boolean;
                            credited: number;
                            meter: string;
                            period: string;
                            periodKey: string;
                            scope: string;
                            used: number;
                        }[];
                        dryRun: boolean;
                        reset: number;
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            409: components["responses"]["E409"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
            503: components["responses"]["E503"];
        };
    };
    getSession: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The session, if any */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
        };
    };
    signIn: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    key: string;
                };
            };
        };
        responses: {
            /** @description Signed in */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
        };
    };
    signOut: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed out (the cookie is cleared) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
    redeemSignInLink: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    token: string;
                };
            };
        };
        responses: {
            /** @description Signed in */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            413: components["responses"]["E413"];
            415: components["responses"]["E415"];
        };
    };
    listTenants: {
        parameters: {
            query?: never;
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tenants */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tenants: {
                            createdAt: string;
                            id: string;
                            keys: number;
                        }[];
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
    getUsage: {
        parameters: {
            query?: {
                /** @description Days back, today included (default 7) */
                days?: string;
                /** @description Admin only */
                tenant?: string;
            };
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The usage */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        days: number;
                        from: string;
                        /** @description Totals per provider and meter over the period */
                        providers: {
                            avgCallsPerDay: number;
                            avgCostPerDayUsd: number;
                            calls: number;
                            costUsd: number;
                            meter: string;
                            provider: string;
                            tokensCached: number;
                            tokensIn: number;
                            tokensOut: number;
                        }[];
                        /** @description Per day × provider × tenant × meter */
                        rows: {
                            calls: number;
                            costUsd: number;
                            day: string;
                            meter: string;
                            provider: string;
                            tenant: string | null;
                            tokensIn: number;
                            tokensOut: number;
                        }[];
                        to: string;
                        total: {
                            avgCostPerDayUsd: number;
                            calls: number;
                            costUsd: number;
                            tokensIn: number;
                            tokensOut: number;
                        };
                    };
                };
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
    websocket: {
        parameters: {
            query?: {
                access_token?: string;
            };
            header?: {
                /** @description fr for French messages and recommendations in errors; English otherwise */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Switching to the WebSocket protocol */
            101: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["E400"];
            401: components["responses"]["E401"];
            403: components["responses"]["E403"];
            503: components["responses"]["E503"];
        };
    };
}
