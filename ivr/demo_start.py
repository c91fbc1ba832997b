"""What a demo start adds on the phone line: the starter course and the living demo."""


def seed(demo: bool = False) -> list[str]:
    """The living demo (ivr.demo) on a demo start; returns a line for each part that could not be made."""
    from ivr import demo as living_demo  # it builds on every package's services, so only when asked
    from learning import starter_course

    if not demo:
        return []
    starter_course.load()  # the starter library's course, once its lessons are published
    try:
        return living_demo.make()
    except living_demo.ProductionDemoError as refused:
        return [str(refused)]
