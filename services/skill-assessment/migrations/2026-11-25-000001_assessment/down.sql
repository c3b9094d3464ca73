DROP TABLE leading_talents, exceptional_certifications, certificates, certificate_serials,
    candidates, sessions, pass_rules, staff, body_actions, body_scopes, bodies, completions;
DROP SEQUENCE certificate_status_index_seq, body_code_seq;
