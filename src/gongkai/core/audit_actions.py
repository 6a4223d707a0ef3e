from gongkai.audit.registry import registry

registry.register("admin.added", "后台新增")
registry.register("admin.changed", "后台修改")
registry.register("admin.deleted", "后台删除")
registry.register("auth.token_issued", "签发 API 令牌")
registry.register("core.demo_loaded", "载入示范数据")
registry.register("core.backup_restored", "从备份恢复数据库和附件")
