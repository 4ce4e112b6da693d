"""stub"""


def register(ls) -> None:
    pass
