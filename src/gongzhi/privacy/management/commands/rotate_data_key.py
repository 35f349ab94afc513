"""Re-encrypt personal data under the current (first) key of GONGZHI_DATA_KEY."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.privacy import crypto
from gongzhi.privacy.services import ROTATION_BATCH_SIZE, rotate_data_key


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field not written under the current data key and recompute "
        "blind indexes. Rotate by prepending a new key to GONGZHI_DATA_KEY "
        "('k2:<new>,k1:<old>'), run this command, then drop the old key. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=ROTATION_BATCH_SIZE,
                            help="rows re-encrypted per transaction")

    def handle(self, *args, batch_size: int, **options):
        key_id = crypto.current_key().key_id
        self.stdout.write(f"当前密钥 / current key: {key_id}")

        def progress(label: str, count: int) -> None:
            self.stdout.write(f"  {label}: {count} 行已重新加密 / rows re-encrypted")

        try:
            counts = rotate_data_key(batch_size=batch_size, progress=progress)
        except crypto.DecryptionError as exc:
            raise CommandError(f"无法解密已有数据 / cannot decrypt stored data: {exc}. "
                               "Keep the old key listed in GONGZHI_DATA_KEY until rotation completes.") from exc
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(
            f"完成：{total} 行已使用密钥 {key_id} 重新加密 / done: {total} rows now under key {key_id}"))
