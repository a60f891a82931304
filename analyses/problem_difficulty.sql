{#-
    Problem difficulty per problem: attempts per learner (min / max /
    average), share right on the first attempt, and the most chosen wrong
    answer. Problems with fewer than var min_cell_size learners suppressed.
-#}
with

attempts as (
    select * from {{ ref('course_team_problem_attempts') }}
),

per_learner as (
    select
        course_id,
        problem_id,
        user_id,
        count(*) as attempts,
        bool_or(is_correct and attempt_number = 1) as first_correct
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
            as first_attempt_correct_share
    from per_learner
    group by course_id, problem_id
)

select
    per_problem.*,
    wrong_answers.submission_answer as most_chosen_wrong_answer,
    wrong_answers.learners as most_chosen_wrong_answer_learners
from per_problem
left join wrong_answers
    on
        per_problem.problem_id = wrong_answers.problem_id
        and wrong_answers.answer_rank = 1
        and wrong_answers.learners >= {{ var('min_cell_size') }}
where per_problem.learners >= {{ var('min_cell_size') }}
