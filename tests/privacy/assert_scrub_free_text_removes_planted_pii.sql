{#-
    The scrub policy on planted PII: every planted e-mail, person URL,
    @mention and phone number is replaced, and the look-alikes a course
    discussion is full of (dates, decimals, course URLs, small numbers)
    survive. keep returns the text unchanged, drop returns NULL.
    Fails on every case whose result differs from the expected text.
-#}
with

planted (case_name, raw_text, expected_scrubbed) as (
    values
    (
        'emails',
        'mail jane.doe@example.com or JOHN_SMITH+mooc@mail.univ.edu.',
        'mail [email] or [email].'
    ),
    (
        'obfuscated emails',
        'jane (at) example (dot) com, bob [at] gmail.com',
        '[email], [email]'
    ),
    (
        'person urls',
        'see https://courses.edx.org/u/jdoe99 and '
        || 'https://www.linkedin.com/in/jane-doe/ or twitter.com/jd',
        'see [url] and [url] or [url]'
    ),
    (
        'url with username parameter',
        'https://forum.example.org/d?username=jdoe&x=1 ok',
        '[url] ok'
    ),
    (
        'course url kept',
        'read https://courses.edx.org/courses/course-v1:MITx+6.002x+2012_Fall'
        || '/courseware/week1/ first',
        'read https://courses.edx.org/courses/course-v1:MITx+6.002x+2012_Fall'
        || '/courseware/week1/ first'
    ),
    (
        'mentions',
        'thanks @jdoe_99 and @staff.member!',
        'thanks [user] and [user]!'
    ),
    (
        'us phones',
        'call +1 (555) 123-4567, 555-123-4567, (555) 123 4567, 555.123.4567',
        'call [phone], [phone], [phone], [phone]'
    ),
    (
        'international phones',
        'tel 06 12 34 56 78 / +33 6 12 34 56 78 / 0612345678.',
        'tel [phone] / [phone] / [phone].'
    ),
    (
        'look-alikes kept',
        'due 2013-11-22 at 12:30:45, pi 3.14159265358, 10 20 30, '
        || 'answer 42, 1,000,000 and v2.10.1',
        'due 2013-11-22 at 12:30:45, pi 3.14159265358, 10 20 30, '
        || 'answer 42, 1,000,000 and v2.10.1'
    ),
    (
        'null stays null',
        null,
        null
    )
),

results as (
    select
        case_name,
        raw_text,
        expected_scrubbed,
        {{ scrub_free_text('raw_text', policy='scrub') }} as scrubbed,
        {{ scrub_free_text('raw_text', policy='keep') }} as kept,
        {{ scrub_free_text('raw_text', policy='drop') }} as dropped
    from planted
),

failures as (
    select *
    from results
    where
        scrubbed is distinct from expected_scrubbed
        or kept is distinct from raw_text
        or dropped is not null
)

select * from failures
