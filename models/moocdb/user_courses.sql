{#-
    Extension: one row per user and course, the per-course facts that
    MOOCdb's one-row-per-user `users` cannot hold when a database holds
    many courses (enrollment, mode, final grade, type in the course).
-#}
with

user_courses as (
    select * from {{ ref('int_user_courses') }}
),

final as (
    select
        {{ hash_to_bigint(as_text('user_id') ~ " || '|' || course_id") }}
            as user_course_id,
        user_id,
        course_id,
        cast(user_type_id as bigint) as user_type_id,
        first_activated_at as enrollment_timestamp,
        last_deactivated_at as unenrollment_timestamp,
        is_enrolled,
        enrollment_mode,
        course_grade as user_course_grade,
        letter_grade as user_course_letter_grade,
        course_grade_at as user_course_grade_timestamp,
        first_event_at as first_event_timestamp,
        last_event_at as last_event_timestamp
    from user_courses
)

select * from final
