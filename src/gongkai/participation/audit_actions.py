from django.utils.translation import gettext_lazy as _

from gongkai.audit.registry import registry

registry.register("participation.consultation_saved", _("保存征求意见"))
registry.register("participation.consultation_opened", _("征求意见开始"))
registry.register("participation.consultation_closed", _("征求意见截止"))
registry.register("participation.comment_received", _("收到公众意见"))
registry.register("participation.comment_moderated", _("审核公众意见"))
registry.register("participation.comment_classified", _("认定意见采纳情况"))
registry.register("participation.feedback_published", _("公布意见采纳情况"))
registry.register("participation.feedback_escalated", _("意见反馈到期提醒"))
registry.register("participation.comments_exported", _("导出公众意见"))
registry.register("participation.message_received", _("收到公众留言"))
registry.register("participation.message_routed", _("分办公众留言"))
registry.register("participation.message_answered", _("答复公众留言"))
registry.register("participation.message_rejected", _("留言不予受理"))
registry.register("participation.message_escalated", _("留言到期提醒"))
registry.register("participation.interview_saved", _("保存在线访谈"))
registry.register("participation.interview_state", _("在线访谈状态变更"))
registry.register("participation.question_received", _("收到访谈提问"))
registry.register("participation.question_moderated", _("审核访谈提问"))
registry.register("participation.question_answered", _("嘉宾回答访谈提问"))
