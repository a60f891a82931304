{#-
    Problem difficulty per problem (question): learners, checks per learner
    (min / max / average), share right on the first check, share ever
    right, average checks a solver needed (a learner right on their third
    check counts 3), and the wrong answer chosen by the most learners
    (a distractor chosen too often). Problems with fewer than var
    min_cell_size learners are suppressed, and so is a most chosen wrong
    answer chosen by fewer learners than that.
-#}
{%- set minimum = var('min_cell_size') -%}
with

attempts as (
    select * from {{ ref('course_team_problem_attempts') }}
),

problems as (
    select * from {{ ref('problems') }}
),

per_learner as (
    select
        course_id,
        problem_id,
        user_id,
        count(*) as attempts,
        coalesce(bool_or(is_correct and attempt_number = 1), false)
            as first_correct,
        min(case when is_correct then attempt_number end)
            as first_correct_attempt
    from attempts
    group by course_id, problem_id, user_id
),

wrong_answers as (
    select
        problem_id,
        submission_answer,
        count(distinct user_id) as learners,
        row_number() over (
            partition by problem_id
            order by count(distinct user_id) desc, submission_answer
        ) as answer_rank
    from attempts
    where not is_correct
    group by problem_id, submission_answer
),

per_problem as (
    select
        course_id,
        problem_id,
        count(*) as learners,
        min(attempts) as min_attempts,
        max(attempts) as max_attempts,
        avg(attempts) as average_attempts,
        avg(case when first_correct then 1.0 else 0.0 end)
            as first_attempt_correct_share,
        avg(case when first_correct_attempt is not null then 1.0 else 0.0 end)
            as solved_share,
        avg(first_correct_attempt) as average_attempts_to_solve
    from per_learner
    group by course_id, problem_id
),

final as (
    select
        per_problem.*,
        problems.problem_name,
        problems.module_id,
        wrong_answers.submission_answer as most_chosen_wrong_answer,
        wrong_answers.learners as most_chosen_wrong_answer_learners
    from per_problem
    left join problems
        on per_problem.problem_id = problems.problem_id
    left join wrong_answers
        on
            per_problem.problem_id = wrong_answers.problem_id
            and wrong_answers.answer_rank = 1
            and wrong_answers.learners >= {{ minimum }}
)

select * from final
where learners >= {{ minimum }}
