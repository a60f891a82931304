{#-
    One row per field of a browser problem form (problem_check,
    problem_graded, problem_save, problem_reset in the browser): the
    URL-encoded `key=value` pairs cut at `&` and percent-decoded. Checkbox
    inputs repeat their key with a `[]` suffix (`%5B%5D`), once per ticked
    choice, in the order of the form.
-#}

with

problem_events as (
    select * from {{ ref('int_problem_events_parsed') }}
),

forms as (
    select
        event_id,
        form_text
    from problem_events
    where form_text is not null
),

fields as (
    select
        forms.event_id,
        form_field.field_text,
        form_field.field_number
    from forms
    {{ lateral_rows(
        split_to_rows('forms.form_text', '&'),
        'form_field', ['field_text', 'field_number']
    ) }}
    where form_field.field_text <> ''
),

fields_decoded as (
    select
        event_id,
        field_number,
        {{ url_decode(
            "split_part(field_text, '=', 1)"
        ) }} as field_name,
        case
            when position('=' in field_text) > 0
                then {{ url_decode(
                    "substr(field_text, position('=' in field_text) + 1)"
                ) }}
        end as field_value
    from fields
),

final as (
    select
        {{ hash_to_bigint(
            as_text('event_id') ~ " || '|' || " ~ as_text('field_number')
        ) }} as form_field_id,
        event_id,
        cast(field_number as integer) as field_number,
        field_name,
        field_value,
        length(field_name) > 6 and left(field_name, 6) = 'input_'
            as is_input_field,
        right(field_name, 2) = '[]' as is_list_field,
        -- the answer key as the server logs it: no `input_`, no `[]`
        substr(
            field_name,
            case when left(field_name, 6) = 'input_' then 7 else 1 end,
            length(field_name)
            - case when left(field_name, 6) = 'input_' then 6 else 0 end
            - case when right(field_name, 2) = '[]' then 2 else 0 end
        ) as answer_key
    from fields_decoded
)

select * from final
