-- The figures at the top of the page: what the report covers.
SELECT (SELECT count(*) FROM warehouse.statements) AS "counted statements",
       (SELECT count(DISTINCT learner_pid) FROM warehouse.completion_learner_course) AS "learners with a course",
       (SELECT count(*) FROM warehouse.dim_course_run) AS courses,
       (SELECT count(*) FROM warehouse.dim_rct_assignment) AS "teachers in the trial",
       (SELECT strftime(min("timestamp"), '%Y-%m-%d') || ' to ' || strftime(max("timestamp"), '%Y-%m-%d')
        FROM warehouse.statements) AS "statements from",
       (SELECT strftime(max(finished_at), '%Y-%m-%d %H:%M %Z') FROM warehouse.ingest_runs) AS "latest refresh"
