"""WordPress: one adapter, two transports, one behaviour.

* **REST** (``/wp-json/wp/v2``) through requests, authenticated with an
  *application password* (WordPress never accepts the login password over REST).
* **XML-RPC** (``xmlrpc.php``) through python-wordpress-xmlrpc, which accepts the
  login password or an application password.

``transport = "auto"`` (the default) probes once per adapter instance and keeps
what works, **preferring REST**: hosts block ``xmlrpc.php`` more and more, and
only REST runs WordPress's own spam/trash paths when moderating (see
:meth:`XmlrpcTransport.moderate`). It falls back to XML-RPC when REST refuses
the credentials (Authorization header stripped, application passwords disabled).

The upsert marker. Core WordPress lets neither transport write a protected meta
key (``_cms_bridge_item_id``): XML-RPC's ``custom_fields`` checks
``auth_post_meta_*`` (false by default) and REST writes only registered meta. So
the item id travels in the post body as an HTML comment,
``<!-- [cms-bridge-item:ID] -->``, which both transports can find with WordPress's
own search (``search=`` / ``s``, a LIKE over post_content that sees comments);
the hit is confirmed by reading the raw content. No plugin is needed.

python-wordpress-xmlrpc 2.3 on Python 3.11 has defects that are worked around
here, never by patching site-packages: the ``collections.Iterable`` alias, the
read-only comment ``parent`` (a results class that reads ``parent``), the
thumbnail round-trip (the post is never read back and re-sent), comments closed
on new posts (``comment_status = "open"`` always), and Fault 403 that is not
always a credentials problem.
"""
from __future__ import annotations

from .adapter import WordPressAdapter
from .common import TLSFailure, WordPressSiteSchema, XmlrpcDisabled

__all__ = ["WordPressAdapter", "WordPressSiteSchema", "TLSFailure", "XmlrpcDisabled"]
