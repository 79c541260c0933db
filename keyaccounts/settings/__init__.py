"""Settings per place: `local` (make run), `production` (the image, docker-compose), `test` (the suite); `base` is what they share."""
