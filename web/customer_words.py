"""What the customer's page says, Chinese first: plain words for a customer, not the bank's vocabulary."""
from models.enums import Stage

ZH, EN = "zh", "en"

WORDS: dict[str, tuple[str, str]] = {
    "title": ("我的投诉", "My complaint"),
    "reference": ("投诉编号", "Reference"),
    "language": ("English", "中文"),
    "large_on": ("大字模式", "Large type"),
    "large_off": ("标准字号", "Standard type"),
    "code_intro": ("为保护您的信息，请先验证身份。我们将发送验证码到您登记的手机 {to}。",
                   "To protect your information, please confirm it is you. We will text a code to your phone {to}."),
    "code_intro_email": ("为保护您的信息，请先验证身份。我们将发送验证码到您登记的邮箱 {to}。",
                         "To protect your information, please confirm it is you. We will e-mail a code to {to}."),
    "code_send": ("发送验证码", "Text me a code"),
    "code_sent": ("验证码已发送到 {to}，{until} 前有效。", "A code was sent to {to}; it works until {until}."),
    "code_label": ("验证码（6 位数字）", "Code (6 digits)"),
    "code_check": ("验证并查看", "Confirm and open"),
    "stage_now": ("目前进度", "Where it stands"),
    "promised": ("我们承诺的时间", "What we promised, by when"),
    "promise_met": ("已完成", "done"),
    "promise_due": ("截止", "by"),
    "waiting_for_you": ("我们在等您补充", "We are waiting for you"),
    "asked_for": ("需要您提供：{what}", "We asked you for: {what}"),
    "info_text": ("补充说明", "What you want to tell us"),
    "info_images": ("图片（可选，最多 {n} 张，每张不超过 {mb} MB，JPG、PNG 或 WebP）",
                    "Images (optional; up to {n}, each at most {mb} MB: JPG, PNG or WebP)"),
    "info_send": ("提交材料", "Send"),
    "feedback": ("您对处理结果满意吗？", "Are you satisfied with how we handled it?"),
    "satisfied_yes": ("满意", "Yes, satisfied"),
    "satisfied_no": ("不满意", "No, not satisfied"),
    "csat": ("评分（1 分最低，5 分最高）", "Score (1 lowest, 5 highest)"),
    "comment": ("意见（可选）", "Comment (optional)"),
    "feedback_send": ("提交评价", "Send my answer"),
    "review": ("对处理决定有异议？", "Disagree with the decision?"),
    "review_until": ("您可以在 {until} 前申请上级机构核查。", "You may ask a higher-level unit to review it until {until}."),
    "review_reason": ("您不同意的地方", "What you disagree with"),
    "review_send": ("申请核查", "Ask for a review"),
    "withdraw": ("撤回投诉", "Withdraw the complaint"),
    "withdraw_reason": ("撤回原因（可选）", "Why (optional)"),
    "withdraw_confirm": ("我确认撤回这件投诉", "I confirm I withdraw this complaint"),
    "withdraw_send": ("撤回投诉", "Withdraw"),
    "messages": ("我们发给您的消息", "Our messages to you"),
    "no_messages": ("暂无消息。", "No messages yet."),
    "leave": ("退出", "Sign out"),
    "left": ("您已退出。如需再次查看，请点击短信中的链接。", "You are signed out. Open the link in our message to look again."),
    "done.info": ("材料已提交，处理时限恢复计算。", "Sent: we have your information and carry on."),
    "done.feedback": ("感谢您的评价。", "Thank you for your answer."),
    "done.withdraw": ("投诉已撤回。", "The complaint is withdrawn."),
    "done.review": ("核查申请已提交，核查编号 {ref}。", "Your review request is in; its reference is {ref}."),
    "closed_note": ("本投诉已结案（{outcome}）。", "This complaint is closed ({outcome})."),
    "gone": ("该投诉的记录已归档，无法在线查看，请联系银行。", "This complaint is archived and cannot be shown here; please call the bank."),
    # Refusals, by code.
    "link_tampered": ("链接无效：请使用银行消息中的完整链接。", "This link is not valid: please use the whole link from our message."),
    "link_expired": ("链接已过期：请使用银行最新消息中的链接，或联系银行。", "This link has expired: use the link in our latest message, or call us."),
    "link_revoked": ("链接已失效：银行已发出新链接，请使用最新消息中的链接。", "This link was withdrawn: use the link in our latest message."),
    "no_complaint": ("找不到该投诉。", "No such complaint."),
    "too_many": ("尝试次数过多，请一小时后再试。", "Too many tries: please try again in an hour."),
    "codes_too_many": ("验证码发送次数过多，请一小时后再试。", "Too many codes sent: please try again in an hour."),
    "no_phone": ("没有登记的联系方式，请联系银行。", "No phone or e-mail is on record for this: please call the bank."),
    "not_sent": ("验证码暂时无法发送，请稍后再试。", "The code could not be sent just now: please try again shortly."),
    "code_none": ("验证码无效或已过期，请重新获取。", "No valid code: please ask for a new one."),
    "code_wrong": ("验证码不正确。", "That code is not right."),
    "code_spent": ("错误次数过多，请重新获取验证码。", "Too many wrong codes: please ask for a new one."),
    "session_over": ("为保护您的信息，请重新打开银行消息中的链接。", "For your safety, please open the link in our message again."),
    "images_too_many": ("图片太多：最多 {n} 张。", "Too many images: {n} at most."),
    "image_too_large": ("图片太大：每张不超过 {mb} MB。", "An image is too large: {mb} MB each at most."),
    "image_not_image": ("只能上传 JPG、PNG 或 WebP 图片。", "Only JPG, PNG or WebP images can be sent."),
    "form_invalid": ("请检查填写的内容：{error}", "Please check what you entered: {error}"),
    "not_now": ("现在无法办理：{why}", "This cannot be done now: {why}"),
    "withdraw_unconfirmed": ("请勾选确认后再撤回。", "Tick the box to confirm first."),
}

# Each stage as a customer would put it.
STAGE: dict[Stage, tuple[str, str]] = {
    Stage.RECEIVE: ("已收到您的投诉", "We have your complaint"),
    Stage.ANALYSE: ("正在登记并分派给负责部门", "We are passing it to the team responsible"),
    Stage.HANDLE: ("正在调查处理", "We are looking into it"),
    Stage.RESPOND: ("正在准备给您的答复", "We are preparing our answer"),
    Stage.VERIFY: ("已答复，等待您的评价", "We have answered: tell us if you are satisfied"),
    Stage.CLOSED: ("已结案", "Closed"),
}


def words(lang: str) -> dict[str, str]:
    i = 1 if lang == EN else 0
    out = {k: v[i] for k, v in WORDS.items()}
    out.update({f"stage.{s.value}": v[i] for s, v in STAGE.items()})
    return out
