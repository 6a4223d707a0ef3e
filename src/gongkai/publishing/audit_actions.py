"""Named audit actions of the publishing workflow (registered from AppConfig.ready)."""

from gongkai.audit.registry import registry

ACTIONS = {
    "publishing.item.created": "新建信息",
    "publishing.item.updated": "修改信息",
    "publishing.item.attachment_added": "上传附件",
    "publishing.item.attachment_removed": "删除附件",
    "publishing.item.submitted": "提交审核",
    "publishing.review.approved": "审核同意",
    "publishing.review.rejected": "审核退回",
    "publishing.item.published": "发布",
    "publishing.item.fast_tracked": "紧急发布",
    "publishing.item.post_reviewed": "事后审核",
    "publishing.item.revision_started": "开始修订",
    "publishing.item.withdrawn": "撤回",
    "publishing.item.abolished": "标注废止",
    "publishing.deadline.escalated": "发布期限预警",
    "publishing.deadline.recomputed": "按工作日历重算发布期限",
    "publishing.post_review.overdue": "事后审核超期提醒",
    "publishing.chain.changed": "修改审核流程",
    "publishing.chain.created": "建立默认审核流程",
}

for _action, _label in ACTIONS.items():
    registry.register(_action, _label)
