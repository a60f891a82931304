{#- Small helpers of the observing mode (location inference). Plain SQL
    except where a regex or a cast check is involved, which goes through the
    dispatched regex macros. -#}

{#- text_to_integer(text_expr): an integer when the text is one (surrounding
    blanks allowed, at most 9 digits so it fits), else NULL. Payload numbers
    are logged as JSON numbers or as strings, depending on the era. -#}
{% macro text_to_integer(text_expr) %}
    {{ return(adapter.dispatch('text_to_integer', 'moocdb')(text_expr)) }}
{% endmacro %}
{% macro default__text_to_integer(text_expr) -%}
    (case
        when {{ moocdb.regex_matches(text_expr, '^\s*-?\d{1,9}(\.0*)?\s*$') }}
            then cast(cast(trim({{ text_expr }}) as numeric) as integer)
    end)
{%- endmacro %}

{#- text_to_double(text_expr): a number when the text is one, else NULL. -#}
{% macro text_to_double(text_expr) %}
    {{ return(adapter.dispatch('text_to_double', 'moocdb')(text_expr)) }}
{% endmacro %}
{% macro default__text_to_double(text_expr) -%}
    (case
        when {{ moocdb.regex_matches(text_expr, '^\s*-?\d{1,15}(\.\d+)?([eE][-+]?\d{1,3})?\s*$') }}
            then cast(trim({{ text_expr }}) as double precision)
    end)
{%- endmacro %}

{#- course_key_part(course_id, part): 'org', 'number' or 'run' of an Open
    edX course key, in both eras (`org/number/run` and
    `course-v1:org+number+run`). -#}
{% macro course_key_part(course_id, part) -%}
    {%- set index = {'org': 1, 'number': 2, 'run': 3}[part] -%}
    (case
        when {{ course_id }} like 'course-v1:%'
            then split_part(substr({{ course_id }}, 11), '+', {{ index }})
        else split_part({{ course_id }}, '/', {{ index }})
    end)
{%- endmacro %}

{#- usage_key_for(course_id, category, block_name): the full module id of a
    block known only by its name (video ids, answer keys), in the course's
    era: `i4x://org/number/category/name` for slash course ids,
    `block-v1:org+number+run+type@category+block@name` for course-v1 keys. -#}
{% macro usage_key_for(course_id, category, block_name) -%}
    (case
        when {{ course_id }} like 'course-v1:%'
            then 'block-v1:' || substr({{ course_id }}, 11)
                || '+type@' || {{ category }} || '+block@' || {{ block_name }}
        when {{ course_id }} like '%/%/%'
            then 'i4x://' || {{ moocdb.course_key_part(course_id, 'org') }}
                || '/' || {{ moocdb.course_key_part(course_id, 'number') }}
                || '/' || {{ category }} || '/' || {{ block_name }}
    end)
{%- endmacro %}

{#- escaped_course_prefix(course_id): the `i4x-org-number-` prefix the old
    platform put in front of browser-side ids (video ids, answer keys): the
    module id with `://`, `/` and `.` replaced by `-`, `-` and `_`. -#}
{% macro escaped_course_prefix(course_id) -%}
    ('i4x-' || {{ moocdb.course_key_part(course_id, 'org') }} || '-'
        || replace({{ moocdb.course_key_part(course_id, 'number') }}, '.', '_')
        || '-')
{%- endmacro %}

{#- module_category(module_id) / module_block_name(module_id): the block
    type and block name of an `i4x://org/number/category/name` or
    `block-v1:…+type@category+block@name` module id (NULL otherwise). -#}
{% macro module_category(module_id) -%}
    coalesce(
        {{ moocdb.regex_extract(module_id, '^i4x://[^/]+/[^/]+/([^/]+)/') }},
        {{ moocdb.regex_extract(module_id, '^block-v1:[^@]+\+type@([^+]+)\+block@') }}
    )
{%- endmacro %}
{% macro module_block_name(module_id) -%}
    coalesce(
        {{ moocdb.regex_extract(module_id, '^i4x://[^/]+/[^/]+/[^/]+/([^/]+)$') }},
        {{ moocdb.regex_extract(module_id, '^block-v1:[^@]+\+type@[^+]+\+block@(.+)$') }}
    )
{%- endmacro %}
