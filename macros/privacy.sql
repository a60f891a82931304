{#- Free text (forum bodies and titles, survey and free-text answers),
    behind adapter.dispatch. -#}

{#- free_text_policy(): the policy in force: the MOOCDB_FREE_TEXT_POLICY
    environment variable when set and not empty, else
    var('free_text_policy') (default scrub). Raises a compilation error on any value but keep, scrub, drop. -#}
{% macro free_text_policy() %}
    {%- set policy = (
        env_var('MOOCDB_FREE_TEXT_POLICY', '') | trim
        or var('free_text_policy', 'scrub')
    ) | trim | lower -%}
    {%- if policy not in ['keep', 'scrub', 'drop'] -%}
        {{ exceptions.raise_compiler_error(
            "var free_text_policy must be keep, scrub or drop, not "
            ~ policy) }}
    {%- endif -%}
    {{ return(policy) }}
{% endmacro %}

{#- scrub_free_text(text_expr, policy=none): a free-text expression under
    the free-text policy (the policy in force unless one is passed):
    keep -> the text as logged; drop -> NULL; scrub -> the text with
    e-mail addresses ([email]), URLs that point at a person (profile,
    user, social-network URLs: [url]), @mentions ([user]) and phone
    numbers ([phone]) replaced. Names written in plain words cannot be
    found by patterns and are not removed: use drop when that matters. -#}
{% macro scrub_free_text(text_expr, policy=none) %}
    {%- set policy = policy or moocdb.free_text_policy() -%}
    {%- if policy not in ['keep', 'scrub', 'drop'] -%}
        {{ exceptions.raise_compiler_error(
            "scrub_free_text policy must be keep, scrub or drop, not "
            ~ policy) }}
    {%- endif -%}
    {{ return(adapter.dispatch('scrub_free_text', 'moocdb')(text_expr, policy)) }}
{% endmacro %}

{#- Postgres (ARE regexes; (?i) makes one case-insensitive). Steps, in order:
    1. e-mails, also written `name [at] host [dot] org`;
    2. URLs (http(s)://… or www.…) with a user path or parameter
       (/u/, /user(s)/, /profile(s)/, /account(s)/, /people/, /member(s)/,
       /in/, /~name, /@name, user=, username=, email=, uid=) or on a social
       network host (facebook, twitter, x, instagram, linkedin, github,
       t.me, wa.me), and bare social URLs (twitter.com/name);
    3. @mentions left after step 1 (a forum username is a name);
    4. phone numbers: `+` and 7+ digits in groups; 3+ groups of 2-5 digits
       separated by space, dot or dash (optionally an (area) code) holding
       7+ digits, except ISO dates (2013-11-22); 9-15 digits in a row that
       are not part of a decimal number. -#}
{% macro default__scrub_free_text(text_expr, policy) -%}
    {%- if policy == 'keep' -%}
    {{ text_expr }}
    {%- elif policy == 'drop' -%}
    cast(null as {{ moocdb.type_text() }})
    {%- else -%}
    {%- set scrubbed = namespace(sql=text_expr) -%}
    {%- for step in moocdb.free_text_scrub_steps() -%}
        {#- regex_replace is dispatched: Java's regex engine on Spark reads
            the same patterns (macros/spark/text.sql) -#}
        {%- set scrubbed.sql = moocdb.regex_replace(
            scrubbed.sql, step[0], step[1]) -%}
    {%- endfor -%}
    {{ scrubbed.sql }}
    {%- endif -%}
{%- endmacro %}

{#- free_text_scrub_steps(): the (pattern, replacement) pairs of the scrub
    policy, applied in order (see default__scrub_free_text); Postgres ARE
    syntax, `\1` for the first group in a replacement. -#}
{% macro free_text_scrub_steps() %}
    {{ return([
        [
            '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}',
            '[email]',
        ],
        [
            '(?i)[A-Za-z0-9._%+-]+\\s*[[(<{]\\s*at\\s*[])>}]\\s*[A-Za-z0-9-]+(\\s*([[(<{]\\s*dot\\s*[])>}]|\\.)\\s*[A-Za-z0-9-]+)+',
            '[email]',
        ],
        [
            '(?i)((https?://|www\\.)[^\\s<>"]*(/(u|users?|profiles?|accounts?|people|members?|in)/|/~|/@|[?&#](user(name)?|email|e-mail|uid|user_id)=)|(https?://)?(www\\.|m\\.)?(facebook\\.com|fb\\.com|twitter\\.com|x\\.com|instagram\\.com|linkedin\\.com|github\\.com|t\\.me|wa\\.me)/)[^\\s<>"]*',
            '[url]',
        ],
        [
            '(^|[^A-Za-z0-9._%+-])@[A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]',
            '\\1[user]',
        ],
        [
            '\\+\\(?\\d(\\s?[().-]?\\s?\\d){6,14}',
            '[phone]',
        ],
        [
            '(^|[^0-9A-Za-z.,:+-])(?!\\d{4}-\\d\\d-\\d\\d([^0-9]|$))(?=(\\(?\\d[\\s().-]{0,2}){7})(\\(\\d{2,5}\\)\\s?|\\d{2,5}[\\s.-])\\d{2,5}[\\s.-]\\d{2,5}([\\s.-]\\d{2,5})*(?![0-9A-Za-z])',
            '\\1[phone]',
        ],
        [
            '(^|[^0-9A-Za-z.,])\\d{9,15}(?![0-9A-Za-z]|[.,][0-9])',
            '\\1[phone]',
        ],
    ]) }}
{% endmacro %}
