{#-
    One row per problem event and answer key (an input id such as
    `i4x-MITx-6_002x-problem-H10P2_New_Impedances_10_1` or
    `29c5cbd840324d94be8ba51db1864277_2_1`, or a sub-input with a suffix):
    the answer (server `answers`, reset `old_state.student_answers`, or the
    decoded browser form), the grading of that key (`correct_map`), the
    question's description (`submission`), and the key mapped back to its
    problem module.
-#}
{{ config(
    materialized='table',
    post_hook="{{ refresh_statistics(this) }}",
) }}

with

problem_events as (
    select * from {{ ref('int_problem_events_parsed') }}
),

form_fields as (
    select * from {{ ref('int_problem_form_fields_decoded') }}
),

events_with_json as (
    select
        event_id,
        answers_json,
        correct_map_json,
        submission_json
    from problem_events
    where
        answers_json is not null
        or correct_map_json is not null
        or submission_json is not null
),

server_answers as (
    select
        events_with_json.event_id,
        answer_entry.answer_key,
        {{ json_as_text('answer_entry.answer_value') }} as answer_text,
        {{ json_type('answer_entry.answer_value') }} = 'array'
            as is_list_answer
    from events_with_json
    {{ lateral_rows(
        json_object_entries('events_with_json.answers_json'),
        'answer_entry', ['answer_key', 'answer_value']
    ) }}
),

form_answers as (
    -- a checkbox key repeats once per ticked choice: folded into a JSON
    -- array like the server's; other keys keep their (last) value
    select
        event_id,
        answer_key,
        case
            when bool_or(is_list_field)
                then {{ json_as_text(json_array_agg(
                    'field_value', 'field_number'
                )) }}
            else {{ value_at_max('field_value', 'field_number') }}
        end as answer_text,
        bool_or(is_list_field) as is_list_answer
    from form_fields
    where is_input_field
    group by event_id, answer_key
),

correct_maps as (
    select
        events_with_json.event_id,
        correct_map_entry.answer_key,
        {{ json_get_text('correct_map_entry.grading', 'correctness') }}
            as correctness,
        {{ json_number(json_get('correct_map_entry.grading', 'npoints')) }}
            as npoints,
        nullif(
            {{ json_get_text('correct_map_entry.grading', 'msg') }}, ''
        ) as grading_message
    from events_with_json
    {{ lateral_rows(
        json_object_entries('events_with_json.correct_map_json'),
        'correct_map_entry', ['answer_key', 'grading']
    ) }}
),

submissions_described as (
    select
        events_with_json.event_id,
        submission_entry.answer_key,
        {{ json_get_text('submission_entry.description', 'question') }}
            as question_text,
        {{ json_get_text('submission_entry.description', 'response_type') }}
            as response_type,
        {{ json_get_text('submission_entry.description', 'input_type') }}
            as input_type,
        {{ json_get_text('submission_entry.description', 'correct') }}
            as submission_correct
    from events_with_json
    {{ lateral_rows(
        json_object_entries('events_with_json.submission_json'),
        'submission_entry', ['answer_key', 'description']
    ) }}
),

shown_keys as (
    -- problem_show names one input (`input_<key>` or `<key>`)
    select
        event_id,
        {{ regex_replace('edx_problem_id', '^input_', '') }} as answer_key
    from problem_events
    where
        event_type = 'problem_show'
        and {{ regex_matches('edx_problem_id', '_[0-9]+_[0-9]+') }}
        and problem_module_id is null
),

answer_keys as (
    select
        event_id,
        answer_key
    from server_answers
    union
    select
        event_id,
        answer_key
    from form_answers
    union
    select
        event_id,
        answer_key
    from correct_maps
    union
    select
        event_id,
        answer_key
    from submissions_described
    union
    select
        event_id,
        answer_key
    from shown_keys
),

keys_joined as (
    select
        answer_keys.event_id,
        answer_keys.answer_key,
        coalesce(server_answers.answer_text, form_answers.answer_text)
            as answer_text,
        coalesce(server_answers.is_list_answer, form_answers.is_list_answer)
            as is_list_answer,
        case
            when server_answers.answer_key is not null then 'answers'
            when form_answers.answer_key is not null then 'form'
            when correct_maps.answer_key is not null then 'correct_map'
            when submissions_described.answer_key is not null
                then 'submission'
            else 'problem_show'
        end as answer_origin,
        correct_maps.answer_key is not null as is_graded_key,
        correct_maps.correctness,
        correct_maps.npoints,
        correct_maps.grading_message,
        submissions_described.question_text,
        submissions_described.response_type,
        submissions_described.input_type,
        submissions_described.submission_correct
    from answer_keys
    left join server_answers
        on
            answer_keys.event_id = server_answers.event_id
            and answer_keys.answer_key = server_answers.answer_key
    left join form_answers
        on
            answer_keys.event_id = form_answers.event_id
            and answer_keys.answer_key = form_answers.answer_key
    left join correct_maps
        on
            answer_keys.event_id = correct_maps.event_id
            and answer_keys.answer_key = correct_maps.answer_key
    left join submissions_described
        on
            answer_keys.event_id = submissions_described.event_id
            and answer_keys.answer_key = submissions_described.answer_key
),

module_html_ids as (
    -- Open edX builds input ids from the module's HTML id: i4x ids as
    -- `i4x-org-course-category-name`, block-v1 ids as the block id, with
    -- every character but letters, digits, `_` and `-` written `_`
    select distinct
        course_id,
        problem_module_id as module_id,
        {{ regex_replace(
            "case when problem_module_id like 'i4x://%' then 'i4x-' || "
            ~ "replace(substr(problem_module_id, 7), '/', '-') else "
            ~ "substr(problem_module_id, position('+block@' in "
            ~ "problem_module_id) + 7) end",
            '[^A-Za-z0-9_-]', '_'
        ) }} as module_html_id
    from problem_events
    where problem_module_id is not null
),

module_html_ids_unique as (
    select
        course_id,
        module_html_id,
        min(module_id) as module_id
    from module_html_ids
    group by course_id, module_html_id
),

keys_with_event as (
    select
        keys_joined.*,
        problem_events.course_id,
        problem_events.problem_module_id as event_module_id,
        event_module.module_html_id as event_module_html_id
    from keys_joined
    inner join problem_events
        on keys_joined.event_id = problem_events.event_id
    left join module_html_ids as event_module
        on
            problem_events.problem_module_id = event_module.module_id
            and problem_events.course_id
            is not distinct from event_module.course_id
),

keys_split as (
    -- `<module html id>_<response>_<input>[_<sub-input suffix>]`: the
    -- module part is the event's own module when the key starts with its
    -- HTML id; else what precedes a final `_<n>_<n>` (read on the reversed
    -- key: a cheap anchored match); else, for a key with a sub-input
    -- suffix, the longest prefix followed by `_<n>_<n>_<not a digit>`
    select
        *,
        case
            when
                event_module_html_id is not null
                and left(answer_key, length(event_module_html_id) + 1)
                = event_module_html_id || '_'
                then event_module_html_id
            when {{ regex_matches('reverse(answer_key)', '^[0-9]+_[0-9]+_.') }}
                then left(
                    answer_key,
                    length(answer_key) - length({{ regex_extract(
                        'reverse(answer_key)', '^([0-9]+_[0-9]+_)'
                    ) }})
                )
            else {{ regex_extract(
                'answer_key', '^(.+)_[0-9]+_[0-9]+_[^0-9]'
            ) }}
        end as key_module_html_id
    from keys_with_event
    {{ optimization_fence() }}
),

keys_parsed as (
    select
        *,
        {{ regex_extract(
            'substr(answer_key, length(key_module_html_id) + 2)',
            '^([0-9]+)_[0-9]+'
        ) }} as response_number_text,
        {{ regex_extract(
            'substr(answer_key, length(key_module_html_id) + 2)',
            '^[0-9]+_([0-9]+)'
        ) }} as input_number_text,
        nullif({{ regex_extract(
            'substr(answer_key, length(key_module_html_id) + 2)',
            '^[0-9]+_[0-9]+_(.*)$'
        ) }}, '') as sub_input_suffix
    from keys_split
    {{ optimization_fence() }}
),

keys_located as (
    select
        keys_parsed.*,
        coalesce(
            case
                when
                    keys_parsed.key_module_html_id
                    = keys_parsed.event_module_html_id
                    then keys_parsed.event_module_id
            end,
            module_html_ids_unique.module_id,
            -- never seen with its module id: rebuilt from the course id
            case
                when
                    keys_parsed.course_id like 'course-v1:%'
                    and {{ regex_matches(
                        'keys_parsed.key_module_html_id', '^[A-Za-z0-9_-]+$'
                    ) }}
                    then
                        'block-v1:'
                        || substr(keys_parsed.course_id, 11)
                        || '+type@problem+block@'
                        || keys_parsed.key_module_html_id
                when
                    {{ regex_matches(
                    'keys_parsed.course_id', '^[^/]+/[^/]+/[^/]+$'
                ) }}
                    and {{ regex_matches(
                        'keys_parsed.key_module_html_id',
                        '^i4x-[^-]+-[^-]+-problem-.'
                    ) }}
                    then
                        'i4x://'
                        || split_part(keys_parsed.course_id, '/', 1) || '/'
                        || split_part(keys_parsed.course_id, '/', 2)
                        || '/problem/'
                        || {{ regex_extract(
                        'keys_parsed.key_module_html_id',
                        '^i4x-[^-]+-[^-]+-problem-(.+)$'
                    ) }}
            end
        ) as module_id,
        case
            when
                keys_parsed.key_module_html_id
                = keys_parsed.event_module_html_id then 'event'
            when module_html_ids_unique.module_id is not null
                then 'other_events'
            when keys_parsed.key_module_html_id is not null
                then 'rebuilt'
        end as module_id_origin
    from keys_parsed
    left join module_html_ids_unique
        on
            keys_parsed.course_id = module_html_ids_unique.course_id
            and keys_parsed.key_module_html_id
            = module_html_ids_unique.module_html_id
),

final as (
    select
        {{ hash_to_bigint(as_text('event_id') ~ " || '|' || answer_key") }}
            as event_answer_id,
        event_id,
        answer_key,
        course_id,
        module_id,
        module_id_origin,
        key_module_html_id as module_html_id,
        cast(response_number_text as integer) as response_number,
        cast(input_number_text as integer) as input_number,
        sub_input_suffix,
        -- the question: the input the key belongs to
        case
            when response_number_text is not null
                then
                    key_module_html_id || '_' || response_number_text
                    || '_' || input_number_text
            else answer_key
        end as question_key,
        answer_origin,
        answer_text,
        is_list_answer,
        is_graded_key,
        correctness,
        npoints,
        grading_message,
        question_text,
        response_type,
        input_type,
        submission_correct
    from keys_located
)

select * from final
