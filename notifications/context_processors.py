def bell(request):
    """The unread count for the bell in the layout: one COUNT query, and only on pages
    that render the layout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .selectors import unread_count

    return {"unread_notifications": lambda: unread_count(user)}
