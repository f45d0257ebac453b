# The production image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/var/lib/exitplan

WORKDIR /app
RUN useradd --system --create-home --home-dir /home/exitplan exitplan \
    && mkdir -p /var/lib/exitplan && chown exitplan /var/lib/exitplan

COPY pyproject.toml constraints.txt README.md ./
COPY exitplan ./exitplan
COPY accounts ./accounts
COPY missions ./missions
COPY stakeholders ./stakeholders
COPY assessments ./assessments
RUN pip install --constraint constraints.txt .

COPY . .
# collectstatic needs settings that start: a throwaway key only for this build step.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=build DEBUG=false python manage.py collectstatic --no-input

USER exitplan
EXPOSE 8000
CMD ["gunicorn", "exitplan.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
