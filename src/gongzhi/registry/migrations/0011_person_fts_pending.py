from django.db import migrations

# Person rows are indexed for "contains" search in bulk (see registry/fulltext.py): the insert trigger
# only notes the new id; update and delete triggers touch the index only for rows it holds.
SQLITE_FORWARD = [
    "CREATE TABLE registry_person_fts_pending (id integer NOT NULL PRIMARY KEY)",
    "DROP TRIGGER registry_person_fts_insert",
    "DROP TRIGGER registry_person_fts_update",
    "DROP TRIGGER registry_person_fts_delete",
    """CREATE TRIGGER registry_person_fts_insert AFTER INSERT ON registry_person BEGIN
       INSERT INTO registry_person_fts_pending(id) VALUES (new.id);
       END""",
    """CREATE TRIGGER registry_person_fts_update AFTER UPDATE OF real_name, address_text ON registry_person
       WHEN NOT EXISTS (SELECT 1 FROM registry_person_fts_pending WHERE id = old.id) BEGIN
       INSERT INTO registry_person_fts(registry_person_fts, rowid, real_name, address_text)
       VALUES ('delete', old.id, old.real_name, old.address_text);
       INSERT INTO registry_person_fts(rowid, real_name, address_text) VALUES (new.id, new.real_name, new.address_text);
       END""",
    """CREATE TRIGGER registry_person_fts_delete AFTER DELETE ON registry_person BEGIN
       INSERT INTO registry_person_fts(registry_person_fts, rowid, real_name, address_text)
       SELECT 'delete', old.id, old.real_name, old.address_text
       WHERE NOT EXISTS (SELECT 1 FROM registry_person_fts_pending WHERE id = old.id);
       DELETE FROM registry_person_fts_pending WHERE id = old.id;
       END""",
]
SQLITE_BACKWARD = [
    "INSERT INTO registry_person_fts(rowid, real_name, address_text) SELECT id, real_name, address_text "
    "FROM registry_person WHERE id IN (SELECT id FROM registry_person_fts_pending)",
    "DROP TRIGGER registry_person_fts_insert",
    "DROP TRIGGER registry_person_fts_update",
    "DROP TRIGGER registry_person_fts_delete",
    "DROP TABLE registry_person_fts_pending",
    """CREATE TRIGGER registry_person_fts_insert AFTER INSERT ON registry_person BEGIN
       INSERT INTO registry_person_fts(rowid, real_name, address_text) VALUES (new.id, new.real_name, new.address_text);
       END""",
    """CREATE TRIGGER registry_person_fts_delete AFTER DELETE ON registry_person BEGIN
       INSERT INTO registry_person_fts(registry_person_fts, rowid, real_name, address_text)
       VALUES ('delete', old.id, old.real_name, old.address_text);
       END""",
    """CREATE TRIGGER registry_person_fts_update AFTER UPDATE OF real_name, address_text ON registry_person BEGIN
       INSERT INTO registry_person_fts(registry_person_fts, rowid, real_name, address_text)
       VALUES ('delete', old.id, old.real_name, old.address_text);
       INSERT INTO registry_person_fts(rowid, real_name, address_text) VALUES (new.id, new.real_name, new.address_text);
       END""",
]


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0010_move_in_requests'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
