{#-
    `submissions` without the rows that are not answers submitted for
    grading: saves (submission_is_submitted 0) and resets (3) are removed;
    checks (1) and checks the platform refused (2) stay.
-#}

with

submissions as (
    select * from {{ ref('submissions') }}
),

final as (
    select *
    from submissions
    where submission_is_submitted not in (0, 3)
)

select * from final
