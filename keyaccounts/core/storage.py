from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files that tolerate a vendored package's dangling CSS reference.

    viewflow's bundled Roboto CSS names font files the wheel does not ship; the page still works
    with the fonts it has, so a missing reference keeps its plain name instead of failing the build.
    """

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            return name
