from django.db import migrations

# Person rows are indexed for "contains" search in bulk (see registry/fulltext.py): no insert trigger
# (one cost as much as the insert itself); the index holds every person up to a watermark (persons
# get increasing ids: AUTOINCREMENT). Update and delete triggers touch the index only for rows it
# holds: those with a row in the FTS table's docsize table (one per indexed row, found by rowid).
SQLITE_FORWARD = [
    "CREATE TABLE registry_person_fts_state (id integer NOT NULL PRIMARY KEY CHECK (id = 1), "
    "indexed_up_to integer NOT NULL)",
    "INSERT INTO registry_person_fts_state (id, indexed_up_to) SELECT 1, COALESCE(MAX(id), 0) FROM registry_person",
    "DROP TRIGGER registry_person_fts_insert",
    "DROP TRIGGER registry_person_fts_update",
    "DROP TRIGGER registry_person_fts_delete",
    """CREATE TRIGGER registry_person_fts_update AFTER UPDATE OF real_name, address_text ON registry_person
       WHEN EXISTS (SELECT 1 FROM registry_person_fts_docsize WHERE id = old.id) BEGIN
       INSERT INTO registry_person_fts(registry_person_fts, rowid, real_name, address_text)
       VALUES ('delete', old.id, old.real_name, old.address_text);
       INSERT INTO registry_person_fts(rowid, real_name, address_text) VALUES (new.id, new.real_name, new.address_text);
       END""",
    """CREATE TRIGGER registry_person_fts_delete AFTER DELETE ON registry_person
       WHEN EXISTS (SELECT 1 FROM registry_person_fts_docsize WHERE id = old.id) BEGIN
       INSERT INTO registry_person_fts(registry_person_fts, rowid, real_name, address_text)
       VALUES ('delete', old.id, old.real_name, old.address_text);
       END""",
]
SQLITE_BACKWARD = [
    "INSERT INTO registry_person_fts(rowid, real_name, address_text) SELECT id, real_name, address_text "
    "FROM registry_person WHERE NOT EXISTS (SELECT 1 FROM registry_person_fts_docsize d WHERE d.id = registry_person.id)",
    "DROP TRIGGER registry_person_fts_update",
    "DROP TRIGGER registry_person_fts_delete",
    "DROP TABLE registry_person_fts_state",
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
